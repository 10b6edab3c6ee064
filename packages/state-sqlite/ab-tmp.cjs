const D=require('better-sqlite3');const fs=require('fs');
const db=new D('/tmp/sb/ab.db');db.pragma('journal_mode=WAL');db.pragma('synchronous=NORMAL');
db.exec('DROP TABLE IF EXISTS t; CREATE TABLE t (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID');
const one=db.prepare('INSERT INTO t (key,value) VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value');
const R=+process.argv[2]||128;
const many=db.prepare(`INSERT INTO t (key,value) VALUES ${Array(R).fill('(?,?)').join(',')} ON CONFLICT(key) DO UPDATE SET value=excluded.value`);
const txA=db.transaction((ops)=>{for(const o of ops)one.run(o.key,o.value)});
const txB=db.transaction((ops)=>{for(let i=0;i<ops.length;i+=R){const p=new Array(2*R);for(let j=0;j<R;j++){p[2*j]=ops[i+j].key;p[2*j+1]=ops[i+j].value}many.run(p)}});
for(let rep=0;rep<4;rep++){
 const ops=Array.from({length:102400},(_,i)=>({key:`state:custom:users:u${i}`,value:JSON.stringify({name:`User ${i}`,rep,email:`u${i}@example.com`,tags:['a','b']})}));
 let t=performance.now();txA.immediate(ops);const a=performance.now()-t;
 ops.forEach(o=>o.value+=' ');
 t=performance.now();txB.immediate(ops);const b=performance.now()-t;
 console.log(`per-row ${a.toFixed(0)}ms multi-row(${R}) ${b.toFixed(0)}ms`);
}
